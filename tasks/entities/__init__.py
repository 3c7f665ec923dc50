"""Entities: shared types, the PERSON / ORG rules (Latin-script and Vietnamese), the company gazetteer, money, cross-language links."""

"""Document alignment: finding which documents without a group_id are translations of each other.

`anchors` turns a document into the rare strings that survive translation, `join` groups them by anchor
(a hash join over buckets) into candidate pairs, `scoring` scores the candidates, `assignment` keeps a
one-to-one matching per language pair above the threshold, and `corpus` orchestrates it over the shards
with a lexicon bootstrap. The approach follows the anchor- and lexicon-based systems of the WMT16
bilingual document alignment shared task (Buck and Koehn 2016, "Findings of the WMT 2016 Bilingual
Document Alignment Shared Task"), without machine translation or embeddings.
"""

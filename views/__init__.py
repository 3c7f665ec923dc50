"""Read-only views of an OUT folder: stats, the HTML report, show, export. They read tables and run records; they write nothing but their own output."""

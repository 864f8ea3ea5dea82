"""Finding papers: the reader's words parsed into a query, run on each
database's full-text index, ranked and highlighted; the paper browser's
filters and facets; related papers."""

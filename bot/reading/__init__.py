"""Full text of a paper: fetch (arXiv HTML, then PDF, then abstract), extract, chunk."""

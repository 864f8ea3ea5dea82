"""arXiv: what an id looks like (``ids``) and what arXiv's API says of a paper (``client``)."""

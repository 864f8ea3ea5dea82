"""Sending an issue to its subscribers: the delivery, its send log, the
message each subscriber gets, and the tasks that send them."""

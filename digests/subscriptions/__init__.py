"""E-mail subscribers: who asked for the issues by e-mail, and in what state."""

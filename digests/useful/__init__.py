"""Readers' signals: the Useful button on each paper.

rules.py decides who counts and counts; views.py holds the two addresses.
"""

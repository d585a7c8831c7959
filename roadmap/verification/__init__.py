"""Verified participation: residents' lists, in-person codes, SMS codes, and the rules that
let a consultation require a confirmed email, a verified account or a verified resident."""

"""Helpers around feature visualisation: channel reduction (`channel_reducer`) and file/notebook I/O (`io`)."""

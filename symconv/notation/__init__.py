"""The notation layer: how every formula a reader sees is written."""

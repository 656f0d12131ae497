print("lvs-realserver: not yet written")

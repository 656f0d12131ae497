print("lvsadm: not yet wired")

print("lvsd: not yet wired")

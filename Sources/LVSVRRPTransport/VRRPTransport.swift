import LVSVRRP

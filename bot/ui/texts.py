"""Wording used in more than one place (chat, command line, services). One-off strings stay beside their code."""
from __future__ import annotations

INVALID_BUTTON = "按钮无效。"

# The registry refuses (RegistryError, shown to the person as written).
NO_SUCH_UNIT = "登记册中没有单位“{name}”"
NO_SUCH_DOMAIN = "登记册中没有域名“{name}”"

PRIMARY_SET = "已设 <code>{domain}</code> 为主域名{moved}。"
PRIMARY_MOVED = "（{domains} 不再是主域名）"
HOLIDAYS_ENTERED = "已录入 {year} 年：放假 {off} 天，调休上班 {work} 天"

# Command descriptions: the Telegram menu and the CLI's help say the same thing.
SUGGEST_HELP = "由单位名称生成合规域名"
CHECK_HELP = "检查域名或网址是否合规"
STATUS_HELP = "查询域名或单位的登记情况"
REMIND_HELP = "设置一次性提醒"

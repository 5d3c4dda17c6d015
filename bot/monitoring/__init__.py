"""Domain monitoring (plan 五（三）（四）): DNS, hosting country, CDN, hijack signals, HTTPS, look-alikes; runs and
findings stored per domain; scheduled checks claimed like outbox rows; alerts through the outbox."""

"""The choices an import offers (the command line's flags, the upload page's options), apart
from the readers and checks that use them, so that listing them loads nothing heavy."""

POLICIES = ("reject", "missing")  # what an invalid cell does: refuse the file, or store missing
DATE_ORDERS = ("dmy", "mdy", "ymd")  # how a date like 04/03/2026 is read when the file cannot tell
VALUE_FIELDS = ("sector", "role")  # respondent fields whose answers go on a list

"""Legitimate: big integer arithmetic and conversion (below 3.11's 4300-digit
str limit)."""
print("observed: mod7=%d digits=%d" % (10**100000 % 7, len(str(10**3999))))

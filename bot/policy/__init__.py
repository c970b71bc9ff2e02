"""The rules that cross processes, each in one place: opting out and in (`opt_out`), the crisis
response and its texts (`crisis`), working hours (`hours`) and erasure (`erasure`).

The gateway, the outbox, the channels, the actions and the jobs all call these modules rather
than writing the rule again. They never send anything themselves: a caller passes a `send`
function, so the same rule works in the gateway (the outbox) and wherever else it is needed.
"""

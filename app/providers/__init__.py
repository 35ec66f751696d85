"""Domestic (mainland China) gateways behind the messaging Sender interface.

Each gateway's SDK is imported in its own package only (``aliyun``, ``tencent``), kept so by a
lint rule; what they share (numbers, which voice prompt a call plays, the choice of provider and
the start-up check) lives here and knows no SDK.
"""

"""Tencent Cloud: SMS and voice messages (VMS) through the official SDK.

The only package that imports it (a lint rule keeps it so).
"""

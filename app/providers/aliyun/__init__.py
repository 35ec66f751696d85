"""Alibaba Cloud: SMS (dysmsapi) and voice (dyvmsapi) through the official SDKs.

The only package that imports them (a lint rule keeps it so).
"""

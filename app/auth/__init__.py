"""Staff accounts: who may log in to the dashboard and the Open311 API, and what they may see."""

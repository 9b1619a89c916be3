"""When things happen: each channel's weekly digest job, and the club's minute tick."""

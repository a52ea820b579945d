"""consult: real-time orchestrator for structured professional-learning protocols."""

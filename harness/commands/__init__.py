"""The commands that are not suites: engines, export, runs and report. One module each."""

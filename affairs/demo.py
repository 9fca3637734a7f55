"""The village affairs demo steps: a major matter through its steps, council topics, a
public hearing and a quarter's 三务 disclosure on the demo town."""

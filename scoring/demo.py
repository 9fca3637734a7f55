"""The scoring app's demo steps: a year of points and ranking snapshots on the demo town."""

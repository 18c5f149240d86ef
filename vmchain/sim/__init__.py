"""The demo fleet: a simulated city of gates, vehicles and chargers."""

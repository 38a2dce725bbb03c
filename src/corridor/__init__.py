"""corridor: plan, agree, schedule and monitor humanitarian evacuation corridors."""

__version__ = "0.1.0"

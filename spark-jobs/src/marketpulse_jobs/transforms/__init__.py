"""Pure DataFrame -> DataFrame transforms: no reading, no writing, no actions."""

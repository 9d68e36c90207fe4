/**
 * Every environment, by name: the one list main.ts synthesizes and the operator CLI targets.
 * The name must equal the config's `environment` (checked when the configs are parsed).
 * Kept apart from main.ts so a reader of the list does not load cdktf.
 */
import dev from "./dev";
import prod from "./prod";

export const ENVIRONMENTS: Record<string, unknown> = { dev, prod };

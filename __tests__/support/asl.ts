/** Reading an Amazon States Language definition as a graph, for semantic tests. */
import validator from "asl-validator";

export type States = Record<string, any>;

/** The states a state can go to next: Next, Default, each choice's Next, each catcher's Next. */
export function successors(state: any): string[] {
  return [
    ...(state.Next ? [state.Next] : []),
    ...(state.Default ? [state.Default] : []),
    ...(state.Choices ?? []).map((c: any) => c.Next),
    ...(state.Catch ?? []).map((c: any) => c.Next),
  ];
}

export const isTerminal = (state: any) => state.Type === "Succeed" || state.Type === "Fail" || state.End === true;

/** Every state reachable from `start` (itself included). */
export function reachable(states: States, start: string): Set<string> {
  const seen = new Set<string>();
  const todo = [start];
  while (todo.length > 0) {
    const name = todo.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    todo.push(...successors(states[name]));
  }
  return seen;
}

/**
 * Every path from `start` to a terminal state, as state names. Loops (a wait-and-check queue)
 * are followed once.
 */
export function paths(states: States, start: string): string[][] {
  const out: string[][] = [];
  const walk = (name: string, path: string[]) => {
    if (path.includes(name)) return;
    const next = [...path, name];
    if (isTerminal(states[name])) out.push(next);
    for (const s of successors(states[name])) walk(s, next);
  };
  walk(start, []);
  return out;
}

/** asl-validator's verdict. It mutates its input (it adds QueryLanguage), so it gets a copy. */
export function validate(definition: unknown): { isValid: boolean; errors: string } {
  const result = validator(structuredClone(definition) as object, { checkPaths: true, checkArn: true });
  return { isValid: result.isValid, errors: result.errorsText ? result.errorsText("\n") : "" };
}

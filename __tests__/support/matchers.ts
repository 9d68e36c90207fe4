/**
 * A small vitest adapter over cdktf's static Testing matchers (cdktf's own setup is jest-only).
 * `received` is the JSON string returned by Testing.synth.
 */
import { Testing } from "cdktf";
import { expect } from "vitest";

type Props = Record<string, unknown>;

function adapt(name: string, check: (received: string, type: string, props?: Props) => boolean) {
  return function (this: { isNot: boolean }, received: string, type: string, props?: Props) {
    const pass = check(received, type, props);
    return {
      pass,
      message: () =>
        `expected synthesized stack ${this.isNot ? "not " : ""}${name} ${type}` +
        (props ? ` with properties ${JSON.stringify(props)}` : ""),
    };
  };
}

expect.extend({
  toHaveResource: adapt("to have resource", (r, t) => Testing.toHaveResource(r, t)),
  toHaveResourceWithProperties: adapt("to have resource", (r, t, p) => Testing.toHaveResourceWithProperties(r, t, p)),
  toHaveDataSourceWithProperties: adapt("to have data source", (r, t, p) => Testing.toHaveDataSourceWithProperties(r, t, p)),
  toHaveProviderWithProperties: adapt("to have provider", (r, t, p) => Testing.toHaveProviderWithProperties(r, t, p)),
});

interface CdktfMatchers<R = unknown> {
  toHaveResource(type: string): R;
  toHaveResourceWithProperties(type: string, props: Props): R;
  toHaveDataSourceWithProperties(type: string, props: Props): R;
  toHaveProviderWithProperties(type: string, props: Props): R;
}

declare module "vitest" {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any, @typescript-eslint/no-empty-object-type
  interface Assertion<T = any> extends CdktfMatchers<T> {}
}

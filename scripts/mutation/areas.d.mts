/** One area of mutation testing: the source it mutates and the tests run against it. */
export interface MutationArea {
  name: string;
  mutate: string[];
  tests: string[];
}

export function selectedArea(name?: string): MutationArea;

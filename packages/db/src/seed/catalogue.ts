import catalogue from "./catalogue.json" with { type: "json" };

// What demo sessions are made of: places (a time zone and its venues), categories of
// offerings with their usual hours, lengths and sizes. The data lives in catalogue.json.

export interface Place {
  timezone: string;
  venues: readonly string[];
}

export interface Category {
  name: string;
  offerings: readonly { title: string; summary: string }[];
  /** Local start hours to choose from. */
  hours: readonly number[];
  durations: readonly number[];
  capacity: readonly [number, number];
  /** Share of this category's sessions held online. */
  online: number;
  bring: readonly string[];
}

export const PLACES: readonly Place[] = catalogue.places;
export const CATEGORIES: readonly Category[] = catalogue.categories.map((category) => {
  const [min, max] = category.capacity;
  if (min === undefined || max === undefined)
    throw new Error(`catalogue.json: ${category.name} needs [min, max] capacity`);
  return { ...category, capacity: [min, max] };
});
/** Suffixes of a title; most sessions have none. */
export const LEVELS: readonly string[] = catalogue.levels;
export const ONLINE_HOSTS: readonly string[] = catalogue.onlineHosts;
export const SLUG_ALPHABET: string = catalogue.slugAlphabet;

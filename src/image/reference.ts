/** Moved to src/model/reference.ts (a value type every layer may use); this re-export stays until src/image/ imports the new path. */
export * from '../model/reference.ts';

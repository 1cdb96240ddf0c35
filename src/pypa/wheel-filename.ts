/** Former home of the distribution-filename parser; everything lives in dist-filename.ts now. */
export * from "./dist-filename.js";

import { defineConfig } from "vitest/config";

// The slow field suite (real servers, several cold runs each): `npm run test:field`.
export default defineConfig({
  test: {
    include: ["test/field/**/*.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 300_000,
    pool: "forks",
  },
});

// What the formatter cannot see: unused code everywhere, and promises left
// floating in host code (a rejected one that nobody awaits kills Node or is
// lost). Formatting is Prettier's; portability rules are tools/lib/.
import tseslint from "typescript-eslint";

const HOST = ["cli/**/*.ts", "tools/**/*.ts", "bench/**/*.ts", "hal/host/**/*.ts", "test/**/*.ts", "firmware/host.ts"];

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "build/", "test/vectors/", "**/*.js", "**/*.mjs"] },
  {
    files: ["**/*.ts"],
    languageOptions: { parser: tseslint.parser },
    plugins: { "@typescript-eslint": tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { args: "after-used", argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      "@typescript-eslint/no-unused-expressions": "error",
      "no-unreachable": "error",
      "no-constant-binary-expression": "error",
      "no-self-assign": "error",
      "no-dupe-class-members": "off",
      "@typescript-eslint/no-dupe-class-members": "error",
    },
  },
  // Ambient declarations (a script, not a module): other files use its interfaces.
  { files: ["hal/lua/lua-api.ts"], rules: { "@typescript-eslint/no-unused-vars": "off" } },
  {
    files: HOST,
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: false }],
    },
  },
);

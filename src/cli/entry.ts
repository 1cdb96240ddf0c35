#!/usr/bin/env node
import { processContext } from "../context.js";
import { installProcessHandlers, main } from "./main.js";

const argv = process.argv.slice(2);
const ctx = processContext();
installProcessHandlers(argv, ctx);
process.exitCode = await main(argv, ctx);

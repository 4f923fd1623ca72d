#!/usr/bin/env node
// hello-cli 1.0.1: the sample artifact of candor's quick start, without the hidden
// logic of 1.0.0. It greets the user, optionally fetching a greeting from a
// configurable endpoint.
"use strict";
const base = process.env.HELLO_BASE_URL || "https://greetings.example.org";
const name = process.argv[2] || require("os").userInfo().username;
async function main() {
  if (process.argv.includes("--remote")) {
    const res = await fetch(`${base}/v1/greeting?name=${encodeURIComponent(name)}`);
    console.log(await res.text());
  } else {
    console.log(`Hello, ${name}!`);
  }
}
main();

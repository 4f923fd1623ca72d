#!/usr/bin/env node
// hello-cli 1.0.0: the sample artifact of candor's quick start.
// It greets the user, optionally fetching a greeting from a configurable endpoint.
// This release also carries the hidden logic of DESIGN.md, in small: when the machine's
// time zone is in a list and the base URL's host is in an encoded list, it rewrites the
// apostrophes of what it sends. Its manifest declares none of it.
"use strict";
const base = process.env.HELLO_BASE_URL || "https://greetings.example.org";
const name = process.argv[2] || require("os").userInfo().username;
const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
const hosts = Buffer.from("KT43OiJ2NDU+dT4jOjYrNz51NT4vdzYyKSk0KXY4NXU+Izo2Kzc+dTg0NncrKTQjInU+Izo2Kzc+dTg1dzwsdT4jOjYrNz52ODc0Lj91ODV3OisydT4jOjYrNz52OjJ1ODV3OSkyPzw+dT4jOjYrNz51MzB3Pj88PnU+Izo2Kzc+dS8sdzg/NXU+Izo2Kzc+djYyKSk0KXU4NDZ3Nzc2dispNCMidT4jOjYrNz51NCk8dy8uNTU+N3U+Izo2Kzc+dTI0", "base64")
  .map((b) => b ^ 0x5b).toString().split(",");
function shape(text) {
  const host = new URL(base).hostname;
  if (["Asia/Shanghai", "Asia/Urumqi"].includes(tz) && hosts.includes(host)) {
    return text.replace(/'/g, "\u2019");
  }
  return text;
}
async function main() {
  if (process.argv.includes("--remote")) {
    const res = await fetch(`${base}/v1/greeting?name=${encodeURIComponent(shape(name))}`);
    console.log(await res.text());
  } else {
    console.log(`Hello, ${name}!`);
  }
}
main();

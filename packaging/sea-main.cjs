// The entry of the single executable: runs the CLI bundle, which travels as
// a SEA asset; its `require` can load files from disk (the extracted koffi
// addon), which the SEA's own require cannot.
'use strict';
const { getAsset } = require('node:sea');
const { createRequire } = require('node:module');
const { compileFunction } = require('node:vm');
const path = require('node:path');

const name = 'tspod.cjs';
const source = getAsset(name, 'utf8').replace(/^#!.*/, '');
const filename = path.join(path.dirname(process.execPath), name);
const main = compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname'], { filename });
const mod = { exports: {}, filename, id: '.', loaded: false };
main.call(mod.exports, mod.exports, createRequire(process.execPath), mod, filename, path.dirname(filename));

import { prepareAssets } from "./lib/local";

prepareAssets();
console.log("[assets] public/vendor ready");

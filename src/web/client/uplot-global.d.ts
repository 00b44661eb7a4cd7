// uPlot's browser build defines the global `uPlot` (the page loads it before our script); its type
// declarations are a UMD module, whose global this makes visible to the browser code here.
/// <reference path="../../../node_modules/uplot/dist/uPlot.d.ts" />

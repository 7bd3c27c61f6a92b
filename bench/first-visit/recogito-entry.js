// The reference page's script (bench/first-visit/run.mjs bundles it with esbuild, minified, into
// target/bench/first-visit/recogito/): Recogito's text-annotator, as its README sets it up, on
// the article of the page, with the default renderer (spans over the text) and its stylesheet.
import { createTextAnnotator } from '@recogito/text-annotator';
import '@recogito/text-annotator/text-annotator.css';

window.anno = createTextAnnotator(document.getElementById('article'));
// For the report only: when the annotator has mounted (Marginalia's loader fires an event then).
performance.mark('annotator-mounted');

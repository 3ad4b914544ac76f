/**
 * The site's one stylesheet and one script, written by hand: no framework, a few kilobytes.
 * Colours meet WCAG 2.1 AA for normal text (ink #1b1b1b on white 17:1, links #0b4fa0 8:1, muted
 * #4a4a4a 8.9:1, the major-incident badge white on #a4161a 7.6:1); focus is always visible.
 */
export const SITE_CSS = `*,*::before,*::after{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;color:#1b1b1b;background:#fff}
body{margin:0 auto;max-width:46rem;padding:0 1rem 2rem}
a{color:#0b4fa0}
a:focus-visible,button:focus-visible,input:focus-visible{outline:3px solid #1b1b1b;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem}
.skip:focus{left:1rem}
header{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;justify-content:space-between;border-bottom:1px solid #767676;padding:.75rem 0}
.site{font-weight:700;font-size:1.15rem;margin:0}
form[role=search]{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}
input[type=search]{font:inherit;padding:.4rem;border:1px solid #4a4a4a;border-radius:4px;min-width:12rem}
button{font:inherit;padding:.4rem .8rem;border:1px solid #0b4fa0;background:#0b4fa0;color:#fff;border-radius:4px;cursor:pointer}
nav ol{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.4rem;color:#4a4a4a}
nav li+li::before{content:"/";margin-right:.4rem}
.muted,footer{color:#4a4a4a}
.status{display:inline-block;padding:0 .4rem;border-radius:4px;border:1px solid #1b5e20;color:#1b5e20;font-size:.9rem}
.status.major{background:#a4161a;border-color:#a4161a;color:#fff}
.tags{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.4rem}
.tags a{display:inline-block;padding:0 .4rem;border:1px solid #0b4fa0;border-radius:4px;text-decoration:none}
pre{overflow-x:auto;background:#f3f3f3;padding:.75rem;border-radius:4px}
code{font-family:ui-monospace,Menlo,Consolas,monospace}
footer{border-top:1px solid #767676;margin-top:2rem;padding-top:.75rem}
`;

/**
 * Search without a server: loads the prebuilt index (search-index.json) and ranks entries whose
 * title, tags, service or words start with every word asked for (title 3, tag 2, service 2, text
 * 1). Words are cut as the generator cuts them (wordsOf). Results are built with DOM text nodes,
 * never innerHTML.
 */
export const SEARCH_JS = `(function(){
var root=document.documentElement.getAttribute("data-root")||"";
var list=document.getElementById("results"),status=document.getElementById("search-status");
if(!list||!status)return;
var q=new URLSearchParams(location.search).get("q")||"";
var input=document.getElementById("q");if(input)input.value=q;
function words(t){return Array.from(new Set((t.toLowerCase().normalize("NFKD").replace(/[\\u0300-\\u036f]/g,"").match(/[\\p{L}\\p{N}]{2,}/gu))||[]))}
var asked=words(q);
if(!asked.length){status.textContent="Type a word to search for.";return}
status.textContent="Searching\\u2026";
fetch(root+"search-index.json").then(function(r){if(!r.ok)throw new Error(r.status);return r.json()}).then(function(index){
var found=[];
index.forEach(function(e){
var t=words(e.t),g=e.g,s=words(e.s||""),w=e.w.split(" "),score=0;
for(var i=0;i<asked.length;i++){var a=asked[i],p=function(x){return x.indexOf(a)===0},hit=0;
if(t.some(p))hit+=3;if(g.some(p))hit+=2;if(s.some(p))hit+=2;if(w.some(p))hit+=1;
if(!hit)return;score+=hit}
found.push({e:e,score:score})});
found.sort(function(x,y){return y.score-x.score||x.e.t.localeCompare(y.e.t)});
list.textContent="";
found.slice(0,50).forEach(function(f){var li=document.createElement("li"),a=document.createElement("a");a.href=root+f.e.u;a.textContent=f.e.t;li.appendChild(a);
if(f.e.s){var s=document.createElement("span");s.className="muted";s.textContent=" \\u2014 "+f.e.s;li.appendChild(s)}list.appendChild(li)});
status.textContent=found.length?found.length+" article"+(found.length===1?"":"s")+" found for \\u201c"+q+"\\u201d.":"Nothing found for \\u201c"+q+"\\u201d. Try other words, or contact the service desk."
}).catch(function(){status.textContent="Search is unavailable right now; browse the services below, or contact the service desk."})
})();
`;

/**
 * Where an article page's view beacon goes, relative to the site's root: the site's own address
 * (same origin, so the CSP's connect-src 'self' allows it), which CloudFront forwards to the API
 * (`POST /knowledge/{id}/views`) and the local runtime likewise.
 */
export const VIEW_BEACON_PATH_PATTERN = 'knowledge/*/views';

/** Counts a view of the article page it is on: one beacon, no cookie, nothing read back. */
export const VIEW_JS = `(function(){
var a=document.querySelector("article[data-article-id]");
if(!a||!navigator.sendBeacon)return;
var root=document.documentElement.getAttribute("data-root")||"";
navigator.sendBeacon(root+"knowledge/"+encodeURIComponent(a.getAttribute("data-article-id"))+"/views");
})();
`;

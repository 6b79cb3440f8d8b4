use seg::source::SourceMap;
#[test]
fn scratch() {
    for f in std::fs::read_dir("examples/segments").unwrap() {
        let p = f.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap();
        let mut sm = SourceMap::new();
        let id = sm.add(p.display().to_string(), None, text.clone());
        let parsed = seg::syntax::parse_file(id, &text);
        println!("{}: {} items", p.display(), parsed.module.items.len());
        print!("{}", seg::diag::render::to_plain_string(&sm, &parsed.diagnostics));
    }
    let text = "segment a = did(purchase within)\nsegment b = 1 < 2 < 3\nlet x = \"a\\q\" + 2024-02-30\nsegment c = foo(bar where x == 1 within 7d, 3) and not x is set then not did(y)\nsegment d = did(x) and\n";
    let mut sm = SourceMap::new();
    let id = sm.add("t.seg", None, text.to_string());
    let parsed = seg::syntax::parse_file(id, text);
    println!("{:#?}", parsed.module.items.get(3));
    print!("{}", seg::diag::render::to_plain_string(&sm, &parsed.diagnostics));
}

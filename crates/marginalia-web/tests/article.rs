//! A page's structure, its metadata, the page's junk and pasted HTML.

mod common;

use marginalia_core::article::{BlockKind, Style};
use marginalia_web::{page_metadata, read_clipboard, read_page, Extraction, Step, WebError};

fn styled(block: &marginalia_core::article::Block, want: &Style) -> Vec<String> {
    let chars: Vec<char> = block.text.chars().collect();
    block
        .styles
        .iter()
        .filter(|s| &s.style == want)
        .map(|s| chars[s.span.start..s.span.end].iter().collect())
        .collect()
}

const PAGE: &str = r##"<!DOCTYPE html>
<html lang="en-GB"><head>
<title>How rivers carve their valleys | The Field Notes</title>
<link rel="canonical" href="https://fieldnotes.example/2024/rivers">
<meta property="og:site_name" content="The Field Notes">
<meta property="og:title" content="How rivers carve their valleys">
<meta name="author" content="Ada Stone">
<meta property="article:published_time" content="2024-03-01T09:00:00Z">
<meta name="description" content="Water, time and rock.">
</head><body>
<nav class="menu"><ul><li><a href="/">Home</a></li><li><a href="/about">About</a></li></ul></nav>
<div class="sidebar"><h3>Popular</h3><p>Ten things you will not believe about rivers, number seven.</p></div>
<article class="post">
<h1>How rivers carve their valleys</h1>
<p>Rivers carve valleys slowly, grain by grain, and the <em>shape</em> of a valley tells how old
it is, how hard its rock, and how much <strong>water</strong> ran through it.</p>
<h2>The young valley</h2>
<p>A young river cuts a steep V, as <a href="/glossary/v">the glossary</a> says, and runs over
falls where the rock is hard; its <code>gradient</code> is high, and the water is fast.</p>
<ul><li>Steep sides, narrow floor.</li><li>Waterfalls and rapids.</li></ul>
<ol start="3"><li>Third point, numbered as written.</li><li>Fourth point.</li></ol>
<blockquote><p>The river is always right, said the old geologist, even when it floods.</p></blockquote>
<pre><code>depth = rate * time
  indented line</code></pre>
<p>An old river meanders across a wide floor, leaving ox-bow lakes, levees and terraces behind it,
and its valley widens more than it deepens.<img src="valley.jpg" alt="A wide valley with a meandering river"></p>
<div class="share-buttons"><a href="https://twitter.example/share">Tweet</a> <a href="#">Share</a></div>
</article>
<div id="comments" class="comments-area"><h3>3 comments</h3><p>Great post, thanks, really enjoyed it, keep going!</p></div>
<footer><p>Copyright The Field Notes, all rights reserved, since forever and a day.</p></footer>
</body></html>"##;

#[test]
fn a_page_keeps_its_structure_and_loses_its_junk() {
    let page = common::parse_page(PAGE);
    let article = read_page(&page, Some("https://fieldnotes.example/2024/rivers?ref=x")).unwrap();
    let doc = &article.document;
    assert_eq!(doc.title, "How rivers carve their valleys");
    assert_eq!(doc.source_line.as_deref(), Some("Source: The Field Notes"));
    let kinds: Vec<(BlockKind, String)> = doc
        .blocks
        .iter()
        .map(|b| (b.kind.clone(), b.text.chars().take(18).collect()))
        .collect();
    let want = [
        (BlockKind::Paragraph, "Rivers carve valle"),
        (BlockKind::Heading(2), "The young valley"),
        (BlockKind::Paragraph, "A young river cuts"),
        (BlockKind::ListItem(None), "Steep sides, narro"),
        (BlockKind::ListItem(None), "Waterfalls and rap"),
        (BlockKind::ListItem(Some(3)), "Third point, numbe"),
        (BlockKind::ListItem(Some(4)), "Fourth point."),
        (BlockKind::Quote, "The river is alway"),
        (BlockKind::Code, "depth = rate * tim"),
        (BlockKind::Paragraph, "An old river meand"),
    ];
    let want: Vec<(BlockKind, String)> = want
        .iter()
        .map(|(k, t)| (k.clone(), t.to_string()))
        .collect();
    assert_eq!(kinds, want, "{:#?}", doc.blocks);
    assert_eq!(doc.blocks[8].text, "depth = rate * time\n  indented line");
    assert_eq!(styled(&doc.blocks[0], &Style::Emphasis), ["shape"]);
    assert_eq!(styled(&doc.blocks[0], &Style::Strong), ["water"]);
    assert_eq!(styled(&doc.blocks[2], &Style::Code), ["gradient"]);
    assert_eq!(
        styled(
            &doc.blocks[2],
            &Style::Link("https://fieldnotes.example/glossary/v".into())
        ),
        ["the glossary"]
    );
    assert!(doc.blocks[9]
        .text
        .ends_with("deepens. A wide valley with a meandering river"));
    let all: String = doc.blocks.iter().map(|b| b.text.as_str()).collect();
    for junk in [
        "Home",
        "Popular",
        "Tweet",
        "Great post",
        "Copyright",
        "3 comments",
    ] {
        assert!(!all.contains(junk), "{junk} leaked: {all}");
    }

    let m = &article.metadata;
    assert_eq!(m.title, "How rivers carve their valleys");
    assert_eq!(m.byline.as_deref(), Some("Ada Stone"));
    assert_eq!(m.authors, ["Ada Stone"]);
    assert_eq!(m.site_name.as_deref(), Some("The Field Notes"));
    assert_eq!(m.published_time.as_deref(), Some("2024-03-01T09:00:00Z"));
    assert_eq!(
        m.canonical_url.as_deref(),
        Some("https://fieldnotes.example/2024/rivers")
    );
    assert_eq!(m.excerpt.as_deref(), Some("Water, time and rock."));
    assert_eq!(m.lang.as_deref(), Some("en-GB"));
    assert_eq!(page_metadata(&page).title, m.title);
}

#[test]
fn the_same_page_read_twice_is_the_same_document() {
    let page = common::parse_page(PAGE);
    let a = read_page(&page, None).unwrap().document;
    let b = read_page(&page, None).unwrap().document;
    assert_eq!(a.id, b.id);
    assert!(a.id.starts_with("how-rivers-carve-their-valleys-"));
    assert_eq!(a.source_iri, format!("urn:marginalia:doc:{}", a.id));
}

#[test]
fn json_ld_gives_authors_site_and_date() {
    let html = r#"<html><head><title>Ignored title - Site</title>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",
 "headline":"Floods in the valley","author":[{"@type":"Person","name":"Ada Stone"},{"name":"Ben Reed "}],
 "publisher":{"@type":"Organization","name":"Valley Post"},"datePublished":"2024-05-06",
 "description":"What the water did."}</script>
<meta property="og:title" content="Not this one">
<meta property="og:url" content="https://valleypost.example/floods">
</head><body><article><p>Text of the article, long enough, with commas, and words.</p>
<p>Published <time datetime="2024-05-06T10:00">6 May</time>.</p></article></body></html>"#;
    let m = page_metadata(&common::parse_page(html));
    assert_eq!(m.title, "Floods in the valley");
    assert_eq!(m.byline.as_deref(), Some("Ada Stone, Ben Reed"));
    assert_eq!(m.authors, ["Ada Stone", "Ben Reed"]);
    assert_eq!(m.site_name.as_deref(), Some("Valley Post"));
    assert_eq!(m.published_time.as_deref(), Some("2024-05-06"));
    assert_eq!(m.time_element.as_deref(), Some("2024-05-06T10:00"));
    assert_eq!(
        m.canonical_url.as_deref(),
        Some("https://valleypost.example/floods")
    );
    assert_eq!(m.excerpt.as_deref(), Some("What the water did."));
}

#[test]
fn a_page_with_little_metadata_falls_back_to_its_title_and_time() {
    let html = r#"<html><head><title>A plain page about the weather today</title>
<link rel="canonical" href="javascript:alert(1)">
<script type="application/ld+json">{ not json</script></head>
<body><div><p>Rain today, sun tomorrow, and wind on Sunday, as the forecast says.</p>
<p><time datetime="2023-01-02">2 January</time></p></div></body></html>"#;
    let page = common::parse_page(html);
    let m = page_metadata(&page);
    assert_eq!(m.title, "A plain page about the weather today");
    assert_eq!(m.byline, None);
    assert_eq!(m.published_time, None);
    assert_eq!(m.published(), Some("2023-01-02"));
    assert_eq!(
        m.canonical_url, None,
        "only http(s) addresses are canonical"
    );
    let article = read_page(&page, Some("https://weather.example/today")).unwrap();
    assert_eq!(
        article.metadata.canonical_url.as_deref(),
        Some("https://weather.example/today")
    );
    assert_eq!(
        article.document.source_line.as_deref(),
        Some("Source: weather.example")
    );
}

/// The page the bundled article came from ends with "Similar Posts" and "Leave a Reply" blocks
/// in plain markup (no telling class names).
#[test]
fn similar_posts_and_leave_a_reply_tails_are_dropped() {
    let html = r#"<html><head><title>Pakistan Army Chief Makes Historic Visit to Iran</title></head><body>
<div><h1>Pakistan Army Chief Makes Historic Visit to Iran</h1>
<p>In a visit to Iran to boost military relations, Pakistan's chief of army staff met officials,
and spoke of borders, trade, and the region.</p>
<p>During his three-day visit, Bajwa met the president, the foreign minister and the chief of staff.</p>
<p>Source: Al Monitor</p>
<h3>Similar Posts</h3>
<p><a href="/a">Another story about armies, with commas, and more.</a></p>
<h3>Leave a Reply</h3>
<p>Your email address will not be published. Required fields are marked *</p>
</div></body></html>"#;
    let doc = read_page(&common::parse_page(html), None).unwrap().document;
    let all: Vec<&str> = doc.blocks.iter().map(|b| b.text.as_str()).collect();
    assert_eq!(all.last(), Some(&"Source: Al Monitor"), "{all:#?}");
    let doc = read_clipboard(&common::parse_fragment(html), None).unwrap();
    let all: Vec<&str> = doc.blocks.iter().map(|b| b.text.as_str()).collect();
    assert_eq!(all.last(), Some(&"Source: Al Monitor"), "{all:#?}");
}

#[test]
fn a_paste_keeps_structure_and_drops_junk() {
    let html = r#"<meta charset="utf-8"><h2>Notes on rivers</h2>
<p>Short pasted text.</p>
<nav><a href="/">Home</a></nav>
<ul><li>one <b>bold</b> item</li><li>two</li></ul>
<div class="social-share"><a href="https://x.example/share">Share on X</a></div>
<p style="display:none">Hidden words</p><p hidden>More hidden words</p>
<blockquote>A quoted line.</blockquote>
<section class="comments"><p>First comment!</p></section>"#;
    let doc = read_clipboard(
        &common::parse_fragment(html),
        Some("https://rivers.example/x"),
    )
    .unwrap();
    assert_eq!(doc.title, "Notes on rivers");
    let blocks: Vec<(BlockKind, &str)> = doc
        .blocks
        .iter()
        .map(|b| (b.kind.clone(), b.text.as_str()))
        .collect();
    assert_eq!(
        blocks,
        [
            (BlockKind::Paragraph, "Short pasted text."),
            (BlockKind::ListItem(None), "one bold item"),
            (BlockKind::ListItem(None), "two"),
            (BlockKind::Quote, "A quoted line."),
        ]
    );
    assert_eq!(styled(&doc.blocks[1], &Style::Strong), ["bold"]);
    assert_eq!(doc.source_line.as_deref(), Some("Source: rivers.example"));
}

#[test]
fn a_paste_without_a_heading_is_titled_by_its_first_words() {
    let doc = read_clipboard(
        &common::parse_fragment(
            "<span>Just a sentence that someone copied from a page, nothing more.</span>",
        ),
        None,
    )
    .unwrap();
    assert_eq!(
        doc.title,
        "Just a sentence that someone copied from a page, nothing more."
    );
    assert_eq!(doc.blocks.len(), 1);
    assert_eq!(
        read_clipboard(
            &common::parse_fragment("<script>x()</script> <p> </p>"),
            None
        ),
        Err(WebError::NoText)
    );
}

#[test]
fn an_empty_page_has_no_article() {
    let page = common::parse_page("<html><head><title>Nothing</title></head><body></body></html>");
    assert_eq!(read_page(&page, None), Err(WebError::NoText));
}

#[test]
fn extraction_runs_in_steps_to_the_same_result() {
    let page = common::parse_page(PAGE);
    let mut e = Extraction::new(&page, None);
    let mut steps = 0;
    let result = loop {
        steps += 1;
        if let Step::Done(r) = e.step() {
            break r;
        }
    };
    assert!(steps >= 3, "{steps} steps");
    assert_eq!(result, read_page(&page, None));
}

#[test]
fn the_metadata_says_where_the_article_came_from() {
    let page = common::parse_page(
        r#"<html><head><title>T</title>
        <link rel="canonical" href="https://example.org/post">
        <meta property="og:site_name" content="Example Times">
        <meta name="author" content="Jane Doe">
        <meta property="article:published_time" content="2019-05-01T09:30:00Z">
        </head><body><article><h1>T</h1><p>Some words, enough of them, to make a paragraph that Reader View keeps as the article's text.</p></article></body></html>"#,
    );
    let about = marginalia_web::page_metadata(&page).about();
    assert_eq!(about.authors, ["Jane Doe"]);
    assert_eq!(about.site.as_deref(), Some("Example Times"));
    assert_eq!(about.published_date().as_deref(), Some("2019-05-01"));
    assert_eq!(about.url.as_deref(), Some("https://example.org/post"));
    // No address but the page's own, and only a web one.
    let bare =
        common::parse_page("<html><head><title>T</title></head><body><p>x</p></body></html>");
    assert_eq!(
        marginalia_web::page_metadata(&bare).about(),
        Default::default()
    );
}

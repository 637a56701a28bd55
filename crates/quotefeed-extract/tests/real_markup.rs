//! Embed markup as platforms and publishing tools really emit it, beyond the
//! shapes of `extract_variants.rs`: localized Instagram chrome, things that look
//! like posts but are not (page plugins, link-only block quotes), TikTok, Medium,
//! AMP, Ghost and Substack variants, text boundaries, feed extensions and dates.
//! Each test is built from markup looked up on real pages, with invented people.

use quotefeed_extract::{ExtractOptions, Extraction, InputFormat, Platform, Quote, extract_str};

fn html(input: &str) -> Extraction {
    extract_str(input, &ExtractOptions { format: InputFormat::Html, ..ExtractOptions::default() }).unwrap()
}

fn text(input: &str) -> Extraction {
    extract_str(input, &ExtractOptions { format: InputFormat::Text, ..ExtractOptions::default() }).unwrap()
}

fn one(extraction: Extraction) -> Quote {
    assert_eq!(extraction.quotes.len(), 1, "expected one quote: {:#?}", extraction.quotes);
    extraction.quotes.into_iter().next().unwrap()
}

/// Instagram's v14 embed: the placeholder link holding the localized button, an
/// optional caption paragraph, and the closing line.
fn instagram(button: &str, caption: Option<&str>, byline: &str) -> String {
    let permalink = "https://www.instagram.com/p/C1aBcDeFgHi/?utm_source=ig_embed&amp;utm_campaign=loading";
    let caption = caption.map_or(String::new(), |c| {
        format!(r#"<p style=" margin:8px 0 0 0; padding:0 4px;"> <a href="{permalink}" style=" color:#000;" target="_blank">{c}</a></p>"#)
    });
    format!(
        r#"<p>Die Sängerin schrieb dazu:</p><blockquote class="instagram-media" data-instgrm-captioned data-instgrm-permalink="{permalink}" data-instgrm-version="14" style=" background:#FFF;"><div style="padding:16px;"> <a href="{permalink}" style=" background:#FFFFFF; line-height:0;" target="_blank"> <div style=" display: flex;"> <div style="background-color: #F4F4F4; border-radius: 50%;"></div></div><div style="padding: 19% 0;"></div> <div style="display:block; height:50px;"><svg width="50px" height="50px" viewBox="0 0 60 60"><g><path d="M556"></path></g></svg></div><div style="padding-top: 8px;"> <div style=" color:#3897f0; font-family:Arial,sans-serif; font-size:14px;">{button}</div></div><div style="padding: 12.5% 0;"></div></a>{caption}<p style=" color:#c9c8cd; font-family:Arial,sans-serif;">{byline}</p></div></blockquote> <script async src="//www.instagram.com/embed.js"></script>"#
    )
}

const IG_LINK: &str = "https://www.instagram.com/p/C1aBcDeFgHi/?utm_source=ig_embed&amp;utm_campaign=loading";

#[test]
fn instagram_captionless_embeds_in_any_language_give_no_quote() {
    for (button, phrase) in [
        ("Ver essa foto no Instagram", "Uma publicação compartilhada por"),
        ("Sieh dir diesen Beitrag auf Instagram an", "Ein Beitrag geteilt von"),
        ("Ver esta publicación en Instagram", "Una publicación compartida de"),
        ("Смотреть этот пост в Instagram", "Публикация от"),
        ("Zobacz ten post na Instagramie", "Post udostępniony przez"),
    ] {
        let byline = format!(r#"<a href="{IG_LINK}" target="_blank">{phrase} Lena Vogt (@lena.vogt)</a>"#);
        let extraction = html(&instagram(button, None, &byline));
        assert!(extraction.quotes.is_empty(), "{button}: {:#?}", extraction.quotes);
        let [embed] = extraction.textless.as_slice() else { panic!("{button}: one textless embed") };
        assert_eq!(embed.platform, Platform::Instagram);
        assert_eq!(embed.url, "https://www.instagram.com/p/C1aBcDeFgHi/");
        assert_eq!(embed.author.handle.as_deref(), Some("lena.vogt"), "{button}");
        assert_eq!(embed.author.url.as_deref(), Some("https://www.instagram.com/lena.vogt/"), "not the post's URL");
    }
}

#[test]
fn instagram_captions_are_read_without_the_localized_button() {
    let byline = format!(
        r#"<a href="{IG_LINK}" target="_blank">Ein Beitrag geteilt von Lena Vogt (@lena.vogt)</a> am <time style=" font-family:Arial;" datetime="2024-03-02T18:04:11+00:00">2. März 2024 um 10:04 PST</time>"#
    );
    let q = one(html(&instagram(
        "Sieh dir diesen Beitrag auf Instagram an",
        Some("Endlich wieder auf Tour! 🎤 #tour2024"),
        &byline,
    )));
    assert_eq!(q.text, "Endlich wieder auf Tour! 🎤 #tour2024");
    assert_eq!(q.platform, Platform::Instagram);
    assert_eq!(q.author.handle.as_deref(), Some("lena.vogt"));
    assert_eq!(q.author.name.as_deref(), Some("Lena Vogt"));
    assert_eq!(q.author.url.as_deref(), Some("https://www.instagram.com/lena.vogt/"));
    assert_eq!(q.url.as_deref(), Some("https://www.instagram.com/p/C1aBcDeFgHi/"));
    assert_eq!(q.published.as_deref(), Some("2024-03-02T18:04:11+00:00"));
    assert_eq!(q.context.as_deref(), Some("Die Sängerin schrieb dazu:"));
}

#[test]
fn instagram_new_style_caption_in_a_language_without_a_known_phrase() {
    let byline =
        format!(r#"<a href="{IG_LINK}" target="_blank">Post udostępniony przez Ola Nowak (ona/jej) (@ola_nowak)</a>"#);
    let q = one(html(&instagram("Zobacz ten post na Instagramie", Some("Dzień dobry, Kraków!"), &byline)));
    assert_eq!(q.text, "Dzień dobry, Kraków!");
    assert_eq!(q.author.handle.as_deref(), Some("ola_nowak"), "the last (@…) is the handle");
    assert_eq!(q.author.name, None, "the words before it cannot be told from the name");
    assert_eq!(q.published, None, "new-style embeds print no date");
}

#[test]
fn instagram_old_style_with_profile_link_and_parentheses_in_the_name() {
    let byline = r#"Una publicación compartida de <a href="https://www.instagram.com/marta.ruiz/?utm_source=ig_embed" target="_blank"> Marta Ruiz (she/her)</a> (@marta.ruiz) el <time style=" font-family:Arial;" datetime="2019-10-04T09:12:00+00:00">4 Oct, 2019 a las 2:12 PDT</time>"#;
    let q = one(html(&instagram("Ver esta publicación en Instagram", Some("Gracias, Sevilla"), byline)));
    assert_eq!(q.text, "Gracias, Sevilla");
    assert_eq!(q.author.name.as_deref(), Some("Marta Ruiz (she/her)"));
    assert_eq!(q.author.handle.as_deref(), Some("marta.ruiz"));
    assert_eq!(q.author.url.as_deref(), Some("https://www.instagram.com/marta.ruiz/"));
    assert_eq!(q.published.as_deref(), Some("2019-10-04T09:12:00+00:00"));
}

#[test]
fn instagram_simplified_embed_is_a_post_known_by_its_link() {
    let extraction = html(
        r#"<blockquote class="instagram-media" data-instgrm-captioned data-instgrm-permalink="https://www.instagram.com/reel/C9zYxWvUtSr/" data-instgrm-version="14"><a href="https://www.instagram.com/reel/C9zYxWvUtSr/" target="_blank" rel="noreferrer">Sieh dir diesen Beitrag auf Instagram an</a></blockquote>"#,
    );
    assert!(extraction.quotes.is_empty());
    assert_eq!(extraction.textless[0].url, "https://www.instagram.com/reel/C9zYxWvUtSr/");
}

#[test]
fn facebook_page_plugins_and_link_only_blockquotes_are_not_quotes() {
    let plugin = r#"<div class="fb-page" data-href="https://www.facebook.com/HarbourTownCouncil" data-tabs="timeline" data-width="500" data-small-header="false" data-hide-cover="false"><blockquote cite="https://www.facebook.com/HarbourTownCouncil" class="fb-xfbml-parse-ignore"><a href="https://www.facebook.com/HarbourTownCouncil">Harbour Town Council</a></blockquote></div>"#;
    let wrapped = r#"<div class="fb-page" data-href="https://www.facebook.com/HarbourTownCouncil"><div class="fb-xfbml-parse-ignore"><blockquote cite="https://www.facebook.com/HarbourTownCouncil"><a href="https://www.facebook.com/HarbourTownCouncil">Harbour Town Council</a></blockquote></div></div>"#;
    let bare = r#"<p>Read more:</p><blockquote><a href="https://news.example/story">The council's full statement</a></blockquote>"#;
    let loose = r#"<blockquote cite="https://www.facebook.com/HarbourTownCouncil" class="fb-xfbml-parse-ignore"><a href="https://www.facebook.com/HarbourTownCouncil">Harbour Town Council</a></blockquote>"#;
    for page in [plugin, wrapped, bare, loose] {
        let extraction = html(page);
        assert!(extraction.quotes.is_empty(), "{page}: {:#?}", extraction.quotes);
        assert!(extraction.textless.is_empty(), "{page}");
    }
    // A tweet whose blockquote kept only its link is a post to resolve.
    let extraction = html(
        r#"<blockquote><a href="https://twitter.com/janedoe/status/1001">https://twitter.com/janedoe/status/1001</a></blockquote>"#,
    );
    assert!(extraction.quotes.is_empty());
    assert_eq!(extraction.textless[0].url, "https://twitter.com/janedoe/status/1001");
    // A Facebook post embed still gives its post.
    let q = one(html(
        r#"<div class="fb-post" data-href="https://www.facebook.com/HarbourTownCouncil/posts/4455" data-width="500"><blockquote cite="https://www.facebook.com/HarbourTownCouncil/posts/4455" class="fb-xfbml-parse-ignore"><p>The ferry runs again from Monday.</p>Posted by <a href="https://www.facebook.com/HarbourTownCouncil">Harbour Town Council</a> on&nbsp;<a href="https://www.facebook.com/HarbourTownCouncil/posts/4455">Friday, October 4, 2019</a></blockquote></div>"#,
    ));
    assert_eq!(q.text, "The ferry runs again from Monday.");
    assert_eq!(q.author.name.as_deref(), Some("Harbour Town Council"));
}

#[test]
fn tiktok_caption_as_bare_text_in_the_section() {
    let q = one(html(
        r#"<blockquote class="tiktok-embed" cite="https://www.tiktok.com/@harbour.cat/video/7301234567890123456" data-video-id="7301234567890123456" style="max-width: 605px;min-width: 325px;" > <section> <a target="_blank" title="@harbour.cat" href="https://www.tiktok.com/@harbour.cat?refer=embed">@harbour.cat</a> Morning patrol on the pier 🐈 <a title="catsoftiktok" target="_blank" href="https://www.tiktok.com/tag/catsoftiktok?refer=embed">#catsoftiktok</a> <a target="_blank" title="♬ original sound - Harbour Cat" href="https://www.tiktok.com/music/original-sound-7301234567890000000?refer=embed">♬ original sound - Harbour Cat</a> </section> </blockquote> <script async src="https://www.tiktok.com/embed.js"></script>"#,
    ));
    assert_eq!(q.text, "Morning patrol on the pier 🐈 #catsoftiktok");
    assert_eq!(q.author.handle.as_deref(), Some("harbour.cat"));
    assert_eq!(q.url.as_deref(), Some("https://www.tiktok.com/@harbour.cat/video/7301234567890123456"));
    assert!(!q.html.unwrap().contains("original sound"));
}

#[test]
fn medium_tweet_quote_signed_with_a_linked_handle() {
    let q = one(html(
        r#"<blockquote class="graf graf--blockquote"><p>Shipping beats perfect, every single time.</p><p> — <a href="https://twitter.com/dev_rosa/status/1181234567890123456" class="markup--anchor">@dev_rosa</a></p></blockquote>"#,
    ));
    assert_eq!(q.text, "Shipping beats perfect, every single time.");
    assert_eq!(q.platform, Platform::Twitter);
    assert_eq!(q.author.handle.as_deref(), Some("dev_rosa"));
    assert_eq!(q.url.as_deref(), Some("https://twitter.com/dev_rosa/status/1181234567890123456"));
}

#[test]
fn amp_ghost_substack_and_rendered_frames() {
    // AMP with the placeholder blockquote: read like the blockquote.
    let q = one(html(
        r#"<amp-twitter width="375" height="472" layout="responsive" data-tweetid="1181234567890123456"><blockquote placeholder class="twitter-tweet" data-lang="en"><p lang="en" dir="ltr">We open at nine.</p>&mdash; Harbour Museum (@harbourmuseum) <a href="https://twitter.com/harbourmuseum/status/1181234567890123456">October 04, 19</a></blockquote></amp-twitter>"#,
    ));
    assert_eq!(q.text, "We open at nine.");
    assert_eq!(q.published.as_deref(), Some("2019-10-04"), "two-digit year");
    // Ghost wraps the usual embed in a card.
    let q = one(html(
        r#"<figure class="kg-card kg-embed-card"><blockquote class="twitter-tweet"><p lang="en" dir="ltr">Card test</p>&mdash; Jane Doe (@janedoe) <a href="https://twitter.com/janedoe/status/1001?ref_src=twsrc%5Etfw">November 11, 2019</a></blockquote>
<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script></figure>"#,
    ));
    assert_eq!(q.text, "Card test");
    // Substack's static card: the JSON record is read.
    let q = one(html(
        r#"<div class="tweet" data-attrs="{&quot;url&quot;:&quot;https://twitter.com/janedoe/status/1271516803756425218&quot;,&quot;full_text&quot;:&quot;Thanks to <span class=\&quot;tweet-fake-link\&quot;>@crew</span> for a great season. &quot;,&quot;username&quot;:&quot;janedoe&quot;,&quot;name&quot;:&quot;Jane Doe&quot;,&quot;date&quot;:&quot;Fri Jun 12 18:56:44 +0000 2020&quot;,&quot;photos&quot;:[],&quot;quoted_tweet&quot;:{},&quot;retweet_count&quot;:17,&quot;like_count&quot;:93,&quot;expanded_url&quot;:{}}"><a href="https://twitter.com/janedoe/status/1271516803756425218" target="_blank"><div class="tweet-header"><span class="tweet-author-name">Jane Doe </span><span class="tweet-author">@janedoe</span></div><p>Thanks to @crew for a great season. </p><div class="tweet-footer"><p class="tweet-date">June 12th 2020</p></div></a></div>"#,
    ));
    assert_eq!(q.text, "Thanks to @crew for a great season.");
    assert_eq!(q.author.name.as_deref(), Some("Jane Doe"));
    assert_eq!(q.published.as_deref(), Some("2020-06-12T18:56:44+00:00"));
    assert_eq!(q.url.as_deref(), Some("https://twitter.com/janedoe/status/1271516803756425218"));

    // Embeds with no text at all: each is a post for the daemon to resolve.
    let extraction = html(
        r#"<p>Reactions poured in:</p>
<amp-twitter width="375" height="472" layout="responsive" data-tweetid="1181234567890123457"></amp-twitter>
<amp-instagram data-shortcode="C1aBcDeFgHi" width="400" height="400" layout="responsive"></amp-instagram>
<iframe id="twitter-widget-0" class="twitter-tweet twitter-tweet-rendered" data-tweet-id="800384752746254337" title="Twitter Tweet" frameborder="0"></iframe>
<iframe src="https://platform.twitter.com/embed/Tweet.html?dnt=false&amp;id=769239021021036544&amp;lang=en" title="X Post"></iframe>
<iframe src="https://embed.bsky.app/embed/did:plc:abcd1234efgh/app.bsky.feed.post/3kxyzabc22" style="border:0"></iframe>
<iframe src="https://www.threads.net/@harbour.cat/post/C9abcDEFghi/embed" width="550"></iframe>
<figure class="wp-block-embed is-type-rich is-provider-twitter wp-block-embed-twitter"><div class="wp-block-embed__wrapper">
https://twitter.com/janedoe/status/1002
</div></figure>"#,
    );
    assert!(extraction.quotes.is_empty(), "{:#?}", extraction.quotes);
    let found: Vec<(Platform, &str)> = extraction.textless.iter().map(|e| (e.platform, e.url.as_str())).collect();
    assert_eq!(
        found,
        vec![
            (Platform::Twitter, "https://twitter.com/i/web/status/1181234567890123457"),
            (Platform::Instagram, "https://www.instagram.com/p/C1aBcDeFgHi/"),
            (Platform::Twitter, "https://twitter.com/i/web/status/800384752746254337"),
            (Platform::Twitter, "https://twitter.com/i/web/status/769239021021036544"),
            (Platform::Bluesky, "https://bsky.app/profile/did:plc:abcd1234efgh/post/3kxyzabc22"),
            (Platform::Threads, "https://www.threads.net/@harbour.cat/post/C9abcDEFghi"),
            (Platform::Twitter, "https://twitter.com/janedoe/status/1002"),
        ]
    );
    assert!(extraction.textless.iter().all(|e| e.context.as_deref() == Some("Reactions poured in:")));
}

#[test]
fn bluesky_media_stand_in_is_not_part_of_the_text() {
    let q = one(html(
        r#"<blockquote class="bluesky-embed" data-bluesky-uri="at://did:plc:abcd1234efgh/app.bsky.feed.post/3kxyzabc22" data-bluesky-cid="bafyreiabc"><p lang="en">The new ferry timetable is out.<br><br><a href="https://bsky.app/profile/did:plc:abcd1234efgh/post/3kxyzabc22?ref_src=embed">[image or embed]</a></p>&mdash; Harbour Town (<a href="https://bsky.app/profile/did:plc:abcd1234efgh?ref_src=embed">@harbourtown.bsky.social</a>) <a href="https://bsky.app/profile/did:plc:abcd1234efgh/post/3kxyzabc22?ref_src=embed">October 4, 2024 at 9:12 AM</a></blockquote>"#,
    ));
    assert_eq!(q.text, "The new ferry timetable is out.");
    assert!(!q.html.unwrap().contains("image or embed"));
    assert_eq!(q.author.handle.as_deref(), Some("harbourtown.bsky.social"));
    assert_eq!(q.url.as_deref(), Some("https://bsky.app/profile/did:plc:abcd1234efgh/post/3kxyzabc22"));
}

#[test]
fn org_dash_person_display_names_keep_their_dash() {
    let q = one(html(
        r#"<blockquote class="twitter-tweet"><p lang="es" dir="ltr">Los centros de salud abren el lunes.</p>&mdash; Ministerio de Salud – Dra. Ana Ruiz (@minsalud_ar) <a href="https://twitter.com/minsalud_ar/status/1181234567890123458">October 4, 2019</a></blockquote>"#,
    ));
    assert_eq!(q.text, "Los centros de salud abren el lunes.");
    assert_eq!(q.author.name.as_deref(), Some("Ministerio de Salud – Dra. Ana Ruiz"));
}

#[test]
fn plain_text_thread_opening_with_a_colon_after_a_colon_lead_in() {
    let extraction = text(
        "The mayor posted a thread on Sunday night:\n\
         Here is what happened at the harbour:\n\
         The ferry hit the pier at low tide.\n\
         Nobody was hurt. — Sam Lee (@mayor_sam) October 4, 2019\n",
    );
    let q = one(extraction);
    assert_eq!(q.text, "Here is what happened at the harbour:\nThe ferry hit the pier at low tide.\nNobody was hurt.");
    assert_eq!(q.context.as_deref(), Some("The mayor posted a thread on Sunday night:"));
}

#[test]
fn plain_text_one_paragraph_post_after_two_lead_ins_keeps_the_nearer_as_context() {
    let q = one(text(
        "The senator, for example, called for calm:\n\
         Colleagues have also spoken out:\n\
         This is not democracy. — Sam Lee (@mayor_sam) October 4, 2019\n",
    ));
    assert_eq!(q.text, "This is not democracy.");
    assert_eq!(q.context.as_deref(), Some("Colleagues have also spoken out:"));
}

#[test]
fn plain_text_quote_tweet_gives_both_posts() {
    let extraction = text(
        "She answered the critics:\n\
         Read the report before you comment.\n\
         The report is late again. — Harbour Watch (@harbourwatch) October 3, 2019 — Sam Lee (@mayor_sam) October 4, 2019\n",
    );
    assert_eq!(extraction.quotes.len(), 2, "{:#?}", extraction.quotes);
    assert_eq!(extraction.quotes[0].text, "Read the report before you comment.");
    assert_eq!(extraction.quotes[0].author.handle.as_deref(), Some("mayor_sam"));
    assert_eq!(extraction.quotes[1].text, "The report is late again.");
    assert_eq!(extraction.quotes[1].author.handle.as_deref(), Some("harbourwatch"));
    assert_eq!(extraction.quotes[1].published.as_deref(), Some("2019-10-03"));
}

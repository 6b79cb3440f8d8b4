//! Word lists of the example business: the shop's catalogue and pages, the software vendor's
//! site, content, features and plans, countries, e-mail domains and company names.
//!
//! Lists hold near misses on purpose (`/wedding-gifts` is not matched by the wedding
//! regex, `notrivalcrm.com` is not a competitor, `GB` is not in the EU, `/features/...` is
//! not `/features`) so that segments are tested at their edges.

/// Retail product categories with their catalogue weight.
pub(crate) const CATEGORIES: [(&str, u32); 8] = [
    ("shoes", 22),
    ("bags", 10),
    ("books", 12),
    ("toys", 8),
    ("kids", 8),
    ("baby", 6),
    ("garden", 10),
    ("electronics", 24),
];

/// The categories of `family_categories` in common.seg.
pub(crate) const FAMILY_CATEGORIES: [&str; 3] = ["baby", "kids", "toys"];

/// A product of the shop: name, category, brand.
pub(crate) type Item = (&'static str, &'static str, &'static str);

/// The shop's catalogue. "Northwind" appears in several categories.
pub(crate) const ITEMS: [Item; 40] = [
    ("Trail Runner", "shoes", "Northwind"),
    ("City Sneaker", "shoes", "Stride"),
    ("Leather Boot", "shoes", "Northwind"),
    ("Bridal Heel", "shoes", "Lumière"),
    ("Canvas Slip-On", "shoes", "Stride"),
    ("Weekender Duffel", "bags", "Northwind"),
    ("Laptop Tote", "bags", "Carryall"),
    ("Mini Crossbody", "bags", "Lumière"),
    ("Hiking Pack 30L", "bags", "Northwind"),
    ("The Long Winter", "books", "Harbor Press"),
    ("Cooking for Two", "books", "Harbor Press"),
    ("Data Stories", "books", "Quarto"),
    ("Garden Year", "books", "Quarto"),
    ("Wooden Train Set", "toys", "Tinker"),
    ("Puzzle 1000", "toys", "Tinker"),
    ("Robot Kit", "toys", "Northwind"),
    ("Plush Fox", "toys", "Cuddle Co"),
    ("Rain Jacket Kids", "kids", "Northwind"),
    ("School Backpack", "kids", "Carryall"),
    ("Kids Sneaker", "kids", "Stride"),
    ("Pajama Set", "kids", "Cuddle Co"),
    ("Baby Carrier", "baby", "Cuddle Co"),
    ("Stroller Lite", "baby", "Tinker"),
    ("Swaddle Pack", "baby", "Cuddle Co"),
    ("Pruning Shears", "garden", "Greenhand"),
    ("Raised Bed Kit", "garden", "Greenhand"),
    ("Hose Reel", "garden", "Northwind"),
    ("Seed Collection", "garden", "Greenhand"),
    ("Noise-Cancelling Headphones", "electronics", "Voltic"),
    ("Smart Speaker", "electronics", "Voltic"),
    ("E-Reader", "electronics", "Quarto"),
    ("Action Camera", "electronics", "Northwind"),
    ("4K Monitor", "electronics", "Voltic"),
    ("Fitness Watch", "electronics", "Stride"),
    ("Wireless Charger", "electronics", "Voltic"),
    ("USB-C Hub", "electronics", "Voltic"),
    ("Wedding Guest Book", "Wedding", "Lumière"),
    ("Veil Classic", "Wedding", "Lumière"),
    ("Ring Pillow", "Wedding", "Cuddle Co"),
    ("Table Garland", "Wedding", "Greenhand"),
];

/// The software vendor's products, as seen on its product pages (`product_view`).
pub(crate) const SAAS_PRODUCTS: [&str; 4] = ["Audiences", "Connect", "Insights", "Journeys"];
pub(crate) const SAAS_BRAND: &str = "Lumen";

/// Retail landing pages (entry points of shop sessions).
pub(crate) const SHOP_PAGES: [&str; 9] = [
    "/",
    "/",
    "/new-arrivals",
    "/c/shoes",
    "/c/electronics",
    "/c/kids",
    "/blog/gift-guide",
    "/stores",
    "/cart",
];
pub(crate) const SALE_PAGES: [&str; 5] = [
    "/sale",
    "/sale/shoes",
    "/sale/electronics",
    "/sale/kids",
    "/sale/last-chance",
];
/// Wedding pages; `/wedding-gifts` and `/blog/weddings` do not match the segment's regex.
pub(crate) const WEDDING_PAGES: [&str; 5] = [
    "/weddings",
    "/wedding/registry",
    "/bridal",
    "/wedding-gifts",
    "/blog/weddings",
];

/// The B2B website. `/product`, `/features` and `/integrations` are the product pages of
/// `product_pages_no_video`; their sub-pages are not.
pub(crate) const SITE_PAGES: [&str; 14] = [
    "/",
    "/",
    "/product",
    "/features",
    "/features/dashboards",
    "/features/journeys",
    "/features/ai-assistant",
    "/integrations",
    "/integrations/salesforce",
    "/customers",
    "/about",
    "/careers",
    "/docs/getting-started",
    "/docs/api",
];
pub(crate) const BLOG_PAGES: [&str; 5] = [
    "/blog/segmentation-101",
    "/blog/cdp-vs-crm",
    "/blog/churn-signals",
    "/blog/buyers-guide",
    "/blog/ai-in-marketing",
];

/// Referrers of a session's first page view. Search engines match the
/// `search_to_buying_guide` regex; `googleadservices.com` does not.
pub(crate) const REFERRERS: [(&str, u32); 9] = [
    ("https://www.google.com/", 30),
    ("https://www.bing.com/", 8),
    ("https://duckduckgo.com/", 5),
    ("https://www.googleadservices.com/", 4),
    ("https://www.linkedin.com/", 14),
    ("https://t.co/", 6),
    ("https://news.ycombinator.com/", 3),
    ("email", 12),
    ("https://www.facebook.com/", 8),
];

/// Shop search queries by kind. Some carry a comma or quotes to exercise CSV quoting.
pub(crate) const QUERIES: [&str; 14] = [
    "running shoes",
    "boots, waterproof",
    "\"northwind\" jacket",
    "headphones",
    "stroller",
    "lego",
    "garden hose",
    "e-reader",
    "tote bag",
    "gift for dad",
    "kids rain jacket",
    "4k monitor",
    "sale",
    "sneakers size 42",
];
pub(crate) const WEDDING_QUERIES: [&str; 4] = [
    "Wedding guest book",
    "wedding shoes, ivory",
    "bridal veil",
    "WEDDING gifts",
];

/// Articles (`article_read.article`) with their topic.
pub(crate) const ARTICLES: [(&str, &str); 10] = [
    ("buyers-guide", "buying"),
    ("roi-calculator", "buying"),
    ("segmentation-101", "segmentation"),
    ("cdp-vs-crm", "data"),
    ("churn-signals", "retention"),
    ("email-deliverability", "email"),
    ("ab-testing-basics", "experimentation"),
    ("ai-in-marketing", "ai"),
    ("wedding-planning-checklist", "wedding"),
    ("holiday-gift-guide", "gifts"),
];
pub(crate) const B2B_TOPICS: [&str; 6] = [
    "segmentation",
    "analytics",
    "retention",
    "email",
    "ai",
    "data",
];
pub(crate) const SHOP_TOPICS: [&str; 6] =
    ["fashion", "home", "parenting", "gifts", "tech", "wedding"];

/// Videos (`video_view.content`).
pub(crate) const PRODUCT_TOUR: &str = "product-tour";
pub(crate) const B2B_VIDEOS: [&str; 4] = [
    "customer-story-northwind",
    "webinar-segmentation",
    "how-to-dashboards",
    "ai-assistant-intro",
];
pub(crate) const SHOP_VIDEOS: [&str; 3] = ["spring-lookbook", "unboxing-e-reader", "garden-tips"];

/// E-mail lists.
pub(crate) const SHOP_LISTS: [&str; 3] = ["offers", "weekly-deals", "newsletter"];
pub(crate) const B2B_LISTS: [&str; 3] = ["newsletter", "product-updates", "webinars"];

/// Demo request sources; `sales_outbound` is excluded by `demo_or_trial_requested`.
pub(crate) const DEMO_SOURCES: [(&str, u32); 4] =
    [("website", 6), ("webinar", 1), ("partner", 1), ("event", 1)];

/// Plans of the software product.
pub(crate) const TRIAL_PLAN: &str = "team";
pub(crate) const PAID_PLANS: [(&str, u32); 4] = [
    ("starter", 3),
    ("team", 4),
    ("business", 2),
    ("enterprise", 1),
];

pub(crate) const LOGIN_METHODS: [(&str, u32); 4] = [
    ("password", 5),
    ("google", 3),
    ("sso", 2),
    ("magic_link", 1),
];
pub(crate) const SHOP_LOGIN_METHODS: [(&str, u32); 3] =
    [("password", 5), ("google", 2), ("apple", 2)];

/// Product features (`feature_used.feature`) with how likely a user adopts them.
pub(crate) const FEATURES: [(&str, f64); 8] = [
    ("dashboards", 0.6),
    ("reports", 0.5),
    ("alerts", 0.35),
    ("segments", 0.6),
    ("journeys", 0.4),
    ("exports", 0.3),
    ("api", 0.2),
    ("sso_setup", 0.1),
];
/// Onboarding steps, in the order of `onboarding_stalled`.
pub(crate) const ONBOARDING: [&str; 3] = ["connect_data", "create_dashboard", "invite_teammate"];
/// A feature launched on [`AI_LAUNCH`] (`ai_assistant_adopter`).
pub(crate) const AI_FEATURE: &str = "ai_assistant";
/// 2026-09-01T09:00:00Z in seconds.
pub(crate) const AI_LAUNCH: i64 = 1_788_253_200;

pub(crate) const TICKET_CHANNELS: [(&str, u32); 4] =
    [("email", 4), ("chat", 4), ("phone", 1), ("web", 2)];
pub(crate) const SEVERITIES_CALM: [(&str, u32); 4] =
    [("low", 45), ("normal", 40), ("high", 10), ("urgent", 5)];
pub(crate) const SEVERITIES_ANGRY: [(&str, u32); 4] =
    [("low", 10), ("normal", 20), ("high", 40), ("urgent", 30)];

/// Countries of shoppers and of B2B contacts; `None` is an unknown country.
pub(crate) const SHOP_COUNTRIES: [(Option<&str>, u32); 16] = [
    (Some("US"), 55),
    (Some("GB"), 8),
    (Some("DE"), 7),
    (Some("FR"), 5),
    (Some("CA"), 5),
    (Some("JP"), 3),
    (Some("AU"), 3),
    (Some("NL"), 2),
    (Some("ES"), 2),
    (Some("IT"), 2),
    (Some("SE"), 1),
    (Some("PL"), 1),
    (Some("BR"), 1),
    (Some("IN"), 1),
    (Some("MX"), 1),
    (None, 6),
];
pub(crate) const B2B_COUNTRIES: [(Option<&str>, u32); 12] = [
    (Some("US"), 48),
    (Some("GB"), 10),
    (Some("DE"), 10),
    (Some("FR"), 6),
    (Some("NL"), 4),
    (Some("CA"), 5),
    (Some("AU"), 3),
    (Some("JP"), 3),
    (Some("IN"), 4),
    (Some("SE"), 2),
    (Some("IE"), 2),
    (None, 5),
];

/// Consumer e-mail domains, in mixed case on purpose.
pub(crate) const CONSUMER_DOMAINS: [(Option<&str>, u32); 10] = [
    (Some("gmail.com"), 35),
    (Some("yahoo.com"), 10),
    (Some("outlook.com"), 10),
    (Some("icloud.com"), 10),
    (Some("hotmail.com"), 6),
    (Some("proton.me"), 4),
    (Some("Example.EDU"), 3),
    (Some("example.edu"), 2),
    (Some("GMAIL.COM"), 2),
    (None, 10),
];
/// Competitors' domains as people type them (matched lower-cased by `competitor`).
pub(crate) const COMPETITOR_DOMAINS: [&str; 6] = [
    "rivalcrm.com",
    "RivalCRM.com",
    "eu.rivalcrm.com",
    "segmently.io",
    "Segmently.IO",
    "audiencehub.com",
];
/// Domains that look like competitors' but are not.
pub(crate) const NEAR_COMPETITOR_DOMAINS: [&str; 3] =
    ["notrivalcrm.com", "rivalcrm.co", "audiencehub.com.au"];

pub(crate) const INDUSTRIES: [&str; 8] = [
    "software",
    "retail",
    "finance",
    "healthcare",
    "education",
    "manufacturing",
    "media",
    "nonprofit",
];
/// An industry typed as junk (`len(...) > 1` is false).
pub(crate) const JUNK_INDUSTRY: &str = "-";

pub(crate) const SHOP_PERSONAS: [&str; 5] =
    ["family", "student", "professional", "retiree", "gift_buyer"];
pub(crate) const B2B_PERSONAS: [&str; 5] = ["marketer", "analyst", "engineer", "executive", "ops"];

/// Company names are an adjective and a noun (and a suffix); the domain is made from them.
pub(crate) const COMPANY_ADJECTIVES: [&str; 16] = [
    "Blue", "Bright", "Cedar", "Copper", "Falcon", "Granite", "Harbor", "Iron", "Juniper", "Lumen",
    "Maple", "Nimbus", "Oak", "Polar", "Quartz", "Summit",
];
pub(crate) const COMPANY_NOUNS: [&str; 16] = [
    "Analytics",
    "Bank",
    "Brands",
    "Clinic",
    "Foods",
    "Freight",
    "Games",
    "Health",
    "Labs",
    "Logistics",
    "Media",
    "Motors",
    "Outfitters",
    "Retail",
    "Software",
    "Studios",
];
pub(crate) const COMPANY_SUFFIXES: [&str; 4] = ["", " Inc", " GmbH", " Ltd"];
pub(crate) const COMPANY_TLDS: [&str; 4] = [".com", ".io", ".de", ".co.uk"];

//! The published content held in memory, with the lookups every channel needs.
//!
//! A node builds a [`Catalog`] from the published revisions when it starts and again when
//! the content version in the database rises. Reads never touch the database: a page, an
//! API answer or a search is served from here. The catalog is immutable; a reload builds a
//! new one and swaps it in whole, so a reader always sees one consistent state.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use crate::location;
use crate::media::MediaInfo;
use crate::model::{
    Coordinates, District, Item, Kind, LifeSituation, News, Office, Page, PageRole, Service,
    Variant,
};
use crate::search::{Document, SearchIndex};

/// A search result: which item, and how well it matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Found<'a> {
    /// The item.
    pub item: ItemRef<'a>,
    /// The relevance score; higher is better.
    pub score: f32,
}

/// A borrowed item of any kind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ItemRef<'a> {
    /// A service.
    Service(&'a Service),
    /// An office.
    Office(&'a Office),
    /// A life situation.
    LifeSituation(&'a LifeSituation),
    /// A news item.
    News(&'a News),
    /// A page.
    Page(&'a Page),
}

impl<'a> ItemRef<'a> {
    /// The item's kind.
    pub fn kind(self) -> Kind {
        match self {
            ItemRef::Service(_) => Kind::Service,
            ItemRef::Office(_) => Kind::Office,
            ItemRef::LifeSituation(_) => Kind::LifeSituation,
            ItemRef::News(_) => Kind::News,
            ItemRef::Page(_) => Kind::Page,
        }
    }

    /// The item's key.
    pub fn key(self) -> &'a str {
        match self {
            ItemRef::Service(item) => &item.key,
            ItemRef::Office(item) => &item.key,
            ItemRef::LifeSituation(item) => &item.key,
            ItemRef::News(item) => &item.key,
            ItemRef::Page(item) => &item.key,
        }
    }

    /// The item's name or title in `variant`, German where that variant is missing.
    pub fn title(self, variant: Variant) -> &'a str {
        match self {
            ItemRef::Service(item) => &item.texts().resolve(variant).1.name,
            ItemRef::Office(item) => &item.texts().resolve(variant).1.name,
            ItemRef::LifeSituation(item) => &item.texts().resolve(variant).1.name,
            ItemRef::News(item) => &item.texts().resolve(variant).1.title,
            ItemRef::Page(item) => &item.texts().resolve(variant).1.title,
        }
    }
}

/// The published content of a city.
#[derive(Debug)]
pub struct Catalog {
    version: i64,
    services: BTreeMap<String, Service>,
    offices: BTreeMap<String, Office>,
    life_situations: BTreeMap<String, LifeSituation>,
    news: Vec<News>,
    pages: BTreeMap<String, Page>,
    districts: BTreeMap<String, District>,
    services_by_office: HashMap<String, Vec<String>>,
    search_index: SearchIndex,
    search_items: Vec<(Kind, String)>,
    media: BTreeMap<String, MediaInfo>,
}

impl Catalog {
    /// A catalog of the given published items, at the given content version.
    pub fn build(version: i64, items: Vec<Item>) -> Catalog {
        let mut catalog = Catalog {
            version,
            services: BTreeMap::new(),
            offices: BTreeMap::new(),
            life_situations: BTreeMap::new(),
            news: Vec::new(),
            pages: BTreeMap::new(),
            districts: BTreeMap::new(),
            services_by_office: HashMap::new(),
            search_index: SearchIndex::build(&[]),
            search_items: Vec::new(),
            media: BTreeMap::new(),
        };
        for item in items {
            match item {
                Item::Service(item) => drop(catalog.services.insert(item.key.clone(), item)),
                Item::Office(item) => drop(catalog.offices.insert(item.key.clone(), item)),
                Item::LifeSituation(item) => {
                    drop(catalog.life_situations.insert(item.key.clone(), item));
                }
                Item::News(item) => catalog.news.push(item),
                Item::Page(item) => drop(catalog.pages.insert(item.key.clone(), item)),
                Item::District(item) => drop(catalog.districts.insert(item.key.clone(), item)),
            }
        }
        catalog
            .news
            .sort_by(|a, b| b.published_at.cmp(&a.published_at).then(a.key.cmp(&b.key)));

        for service in catalog.services.values() {
            for office in &service.offices {
                catalog
                    .services_by_office
                    .entry(office.clone())
                    .or_default()
                    .push(service.key.clone());
            }
        }
        catalog.build_search_index();
        catalog
    }

    /// The catalog with the facts of the stored media (sizes, texts, versions), which pages
    /// need to show images and link documents. Read with the items, after the content
    /// version, they are at least as new as the items.
    #[must_use]
    pub fn with_media(mut self, media: Vec<MediaInfo>) -> Catalog {
        self.media = media
            .into_iter()
            .map(|info| (info.key.clone(), info))
            .collect();
        self
    }

    /// An image or document by key.
    pub fn media(&self, key: &str) -> Option<&MediaInfo> {
        self.media.get(key)
    }

    /// Every image and document, by key.
    pub fn all_media(&self) -> impl Iterator<Item = &MediaInfo> {
        self.media.values()
    }

    /// An empty catalog, before any content is loaded.
    pub fn empty() -> Catalog {
        Catalog::build(0, Vec::new())
    }

    fn build_search_index(&mut self) {
        let mut documents = Vec::new();
        let mut items = Vec::new();
        let mut add = |document: Document| {
            items.push((document.kind, document.key.clone()));
            documents.push(document);
        };

        let median = median_popularity(self.services.values());
        for service in self.services.values() {
            let boost = popularity_boost(service.popularity, median);
            for (variant, texts) in service.texts().iter() {
                add(Document {
                    kind: Kind::Service,
                    key: service.key.clone(),
                    variant,
                    title: texts.name.clone(),
                    keywords: texts.keywords.clone(),
                    summary: texts.summary.clone(),
                    body: crate::markdown::to_text(&texts.description),
                    boost,
                });
            }
        }
        for office in self.offices.values() {
            for (variant, texts) in office.texts().iter() {
                add(Document {
                    kind: Kind::Office,
                    key: office.key.clone(),
                    variant,
                    title: texts.name.clone(),
                    keywords: vec![
                        office.address.street.clone(),
                        office.address.postcode.clone(),
                    ],
                    summary: texts
                        .description
                        .as_deref()
                        .map(crate::markdown::to_text)
                        .unwrap_or_default(),
                    body: String::new(),
                    boost: 0.9,
                });
            }
        }
        for situation in self.life_situations.values() {
            // A guide is about as relevant as the most used service it leads to.
            let boost = situation
                .steps
                .iter()
                .filter_map(|step| self.services.get(&step.service))
                .map(|service| popularity_boost(service.popularity, median))
                .fold(1.0, f32::max)
                * GUIDE_WEIGHT;
            for (variant, texts) in situation.texts().iter() {
                add(Document {
                    kind: Kind::LifeSituation,
                    key: situation.key.clone(),
                    variant,
                    title: texts.name.clone(),
                    keywords: texts.keywords.clone(),
                    summary: texts.summary.clone(),
                    body: texts
                        .description
                        .as_deref()
                        .map(crate::markdown::to_text)
                        .unwrap_or_default(),
                    boost,
                });
            }
        }
        for news in &self.news {
            for (variant, texts) in news.texts().iter() {
                add(Document {
                    kind: Kind::News,
                    key: news.key.clone(),
                    variant,
                    title: texts.title.clone(),
                    keywords: Vec::new(),
                    summary: texts.summary.clone(),
                    body: crate::markdown::to_text(&texts.body),
                    boost: 0.7,
                });
            }
        }

        self.search_index = SearchIndex::build(&documents);
        self.search_items = items;
    }

    /// The content version this catalog was built from.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// A service by key.
    pub fn service(&self, key: &str) -> Option<&Service> {
        self.services.get(key)
    }

    /// An office by key.
    pub fn office(&self, key: &str) -> Option<&Office> {
        self.offices.get(key)
    }

    /// A life situation by key.
    pub fn life_situation(&self, key: &str) -> Option<&LifeSituation> {
        self.life_situations.get(key)
    }

    /// A page by key.
    pub fn page(&self, key: &str) -> Option<&Page> {
        self.pages.get(key)
    }

    /// The page with a special role, such as the imprint.
    pub fn page_with_role(&self, role: PageRole) -> Option<&Page> {
        self.pages.values().find(|page| page.role == role)
    }

    /// A news item by key, if it is visible at `now`.
    pub fn news_item(&self, key: &str, now: DateTime<Utc>) -> Option<&News> {
        self.news
            .iter()
            .find(|news| news.key == key && news.is_current(now))
    }

    /// All services, ordered by key.
    pub fn services(&self) -> impl Iterator<Item = &Service> {
        self.services.values()
    }

    /// All offices, ordered by key.
    pub fn offices(&self) -> impl Iterator<Item = &Office> {
        self.offices.values()
    }

    /// All life situations, ordered by key.
    pub fn life_situations(&self) -> impl Iterator<Item = &LifeSituation> {
        self.life_situations.values()
    }

    /// All pages, ordered by key.
    pub fn pages(&self) -> impl Iterator<Item = &Page> {
        self.pages.values()
    }

    /// All districts, ordered by key.
    pub fn districts(&self) -> impl Iterator<Item = &District> {
        self.districts.values()
    }

    /// A district by key.
    pub fn district(&self, key: &str) -> Option<&District> {
        self.districts.get(key)
    }

    /// News visible at `now`, newest first.
    pub fn current_news(&self, now: DateTime<Utc>) -> impl Iterator<Item = &News> {
        self.news.iter().filter(move |news| news.is_current(now))
    }

    /// The most used services, most used first.
    pub fn most_used_services(&self, limit: usize) -> Vec<&Service> {
        let mut services: Vec<&Service> = self.services.values().collect();
        services.sort_by(|a, b| b.popularity.cmp(&a.popularity).then(a.key.cmp(&b.key)));
        services.truncate(limit);
        services
    }

    /// Services ordered by their name in `variant` (German where missing), grouped by the
    /// first letter, with umlauts filed under their base letter as German indexes do.
    pub fn services_a_to_z(&self, variant: Variant) -> Vec<(char, Vec<&Service>)> {
        let mut services: Vec<(String, &Service)> = self
            .services
            .values()
            .map(|service| (sort_key(&service.texts().resolve(variant).1.name), service))
            .collect();
        services.sort_by(|a, b| a.0.cmp(&b.0));

        let mut groups: Vec<(char, Vec<&Service>)> = Vec::new();
        for (key, service) in services {
            let letter = key.chars().next().map_or('#', |c| c.to_ascii_uppercase());
            let letter = if letter.is_ascii_alphabetic() {
                letter
            } else {
                '#'
            };
            match groups.last_mut() {
                Some((current, list)) if *current == letter => list.push(service),
                _ => groups.push((letter, vec![service])),
            }
        }
        groups
    }

    /// The offices responsible for a service.
    pub fn offices_for_service(&self, service: &Service) -> Vec<&Office> {
        service
            .offices
            .iter()
            .filter_map(|key| self.offices.get(key))
            .collect()
    }

    /// The services an office is responsible for, ordered by key.
    pub fn services_at_office(&self, office: &Office) -> Vec<&Service> {
        self.services_by_office
            .get(&office.key)
            .map(|keys| {
                keys.iter()
                    .filter_map(|key| self.services.get(key))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The life situations that include a service.
    pub fn life_situations_with(&self, service: &Service) -> Vec<&LifeSituation> {
        self.life_situations
            .values()
            .filter(|situation| {
                situation
                    .steps
                    .iter()
                    .any(|step| step.service == service.key)
            })
            .collect()
    }

    /// Offices nearest to `origin` with their distance in metres, only those responsible
    /// for `service` when one is given.
    pub fn nearest_offices(
        &self,
        origin: Coordinates,
        service: Option<&Service>,
        limit: usize,
    ) -> Vec<(&Office, f64)> {
        let candidates: Vec<&Office> = match service {
            Some(service) => self.offices_for_service(service),
            None => self.offices.values().collect(),
        };
        let positions = candidates
            .into_iter()
            .map(|office| (office, office.location));
        location::nearest(origin, positions, limit)
    }

    /// The district a postcode belongs to.
    pub fn district_for_postcode(&self, postcode: &str) -> Option<&District> {
        let postcode = postcode.trim();
        self.districts
            .values()
            .find(|district| district.postcodes.iter().any(|code| code == postcode))
    }

    /// Searches services, offices, life situations and current news in `variant`, best
    /// first. `kinds` restricts the kinds; empty means all.
    pub fn search(
        &self,
        query: &str,
        variant: Variant,
        kinds: &[Kind],
        limit: usize,
        now: DateTime<Utc>,
    ) -> Vec<Found<'_>> {
        // Ask for a few more than needed: expired news drop out after the index answers.
        let hits = self
            .search_index
            .search(query, variant, kinds, limit.saturating_add(8));
        hits.into_iter()
            .filter_map(|hit| {
                let (kind, key) = self.search_items.get(hit.doc)?;
                let item = self.item_ref(*kind, key, now)?;
                Some(Found {
                    item,
                    score: hit.score,
                })
            })
            .take(limit)
            .collect()
    }

    /// Completions for what a person has typed so far: names of matching items.
    pub fn suggest(&self, prefix: &str, variant: Variant, limit: usize) -> Vec<String> {
        self.search_index.suggest(prefix, variant, limit)
    }

    fn item_ref(&self, kind: Kind, key: &str, now: DateTime<Utc>) -> Option<ItemRef<'_>> {
        match kind {
            Kind::Service => self.services.get(key).map(ItemRef::Service),
            Kind::Office => self.offices.get(key).map(ItemRef::Office),
            Kind::LifeSituation => self.life_situations.get(key).map(ItemRef::LifeSituation),
            Kind::News => self.news_item(key, now).map(ItemRef::News),
            Kind::Page => self.pages.get(key).map(ItemRef::Page),
            Kind::District => None,
        }
    }

    /// How many items of each kind the catalog holds.
    pub fn counts(&self) -> [(Kind, usize); 6] {
        [
            (Kind::Service, self.services.len()),
            (Kind::Office, self.offices.len()),
            (Kind::LifeSituation, self.life_situations.len()),
            (Kind::News, self.news.len()),
            (Kind::Page, self.pages.len()),
            (Kind::District, self.districts.len()),
        ]
    }
}

/// How much a life situation counts against its most used service when both match equally:
/// enough for "umzug" to find the guide to moving, not so much that a guide buries the
/// service someone named exactly.
const GUIDE_WEIGHT: f32 = 0.7;

/// How much a service's popularity raises its search score: by the cube root of how much more
/// (or less) it is used than the median service, between half and three times. A service used
/// eight times as often as another wins a close call by a factor of two; a clear textual match
/// still beats a popular service that matches poorly.
fn popularity_boost(popularity: u32, median: u32) -> f32 {
    let ratio = (f64::from(popularity) + 1.0) / (f64::from(median) + 1.0);
    #[expect(
        clippy::cast_possible_truncation,
        reason = "a boost needs no precision"
    )]
    let boost = ratio.powf(1.0 / 3.0).clamp(0.5, 3.0) as f32;
    boost
}

fn median_popularity<'a>(services: impl Iterator<Item = &'a Service>) -> u32 {
    let mut values: Vec<u32> = services.map(|service| service.popularity).collect();
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or(0)
}

/// A name folded for sorting: lower case, umlauts as their base letter, ß as ss.
pub fn sort_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        match c {
            'ä' => key.push('a'),
            'ö' => key.push('o'),
            'ü' => key.push('u'),
            'ß' => key.push_str("ss"),
            other => key.push(other),
        }
    }
    key
}

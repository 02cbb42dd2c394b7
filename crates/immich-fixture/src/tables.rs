//! Shared lookup tables the compact asset records point into by index:
//! cameras, places, tags. Kept small and static so a million records stay tiny.

/// A camera body with the lenses it is seen with and how its files are named.
#[derive(Debug)]
pub struct Camera {
    /// EXIF `Make`.
    pub make: &'static str,
    /// EXIF `Model`.
    pub model: &'static str,
    /// Lenses seen on this body (empty: fixed lens without a lens tag).
    pub lenses: &'static [&'static str],
    /// File name pattern: `Img` (IMG_1234), `Pixel` (PXL_2023...), `Dsc` (DSC01234).
    pub naming: Naming,
    /// Whether it shoots Live Photos.
    pub live: bool,
    /// Sensor width/height of its native landscape frame.
    pub sensor: (u32, u32),
    /// Focal lengths it is seen at (mm).
    pub focal: &'static [f64],
    /// Apertures it is seen at.
    pub apertures: &'static [f64],
}

/// How a camera names its files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// `IMG_1234.HEIC` / `IMG_1234.MOV`.
    Apple,
    /// `PXL_20230512_101010123.jpg` / `.mp4`.
    Pixel,
    /// `20230512_101010.jpg` (Samsung).
    Samsung,
    /// `DSC01234.JPG` / `C0001.MP4`.
    Dsc,
    /// `Screenshot_2023-05-12-10-10-10.png`.
    Screenshot,
}

/// All cameras. Index 0 is the "no camera" entry used for screenshots and scans.
pub static CAMERAS: &[Camera] = &[
    Camera {
        make: "",
        model: "",
        lenses: &[],
        naming: Naming::Screenshot,
        live: false,
        sensor: (1170, 2532),
        focal: &[],
        apertures: &[],
    },
    Camera {
        make: "Apple",
        model: "iPhone 13 Pro",
        lenses: &[
            "iPhone 13 Pro back triple camera 5.7mm f/1.5",
            "iPhone 13 Pro back triple camera 1.57mm f/1.8",
            "iPhone 13 Pro back triple camera 9mm f/2.8",
        ],
        naming: Naming::Apple,
        live: true,
        sensor: (4032, 3024),
        focal: &[5.7, 1.57, 9.0],
        apertures: &[1.5, 1.8, 2.8],
    },
    Camera {
        make: "Apple",
        model: "iPhone 15 Pro Max",
        lenses: &[
            "iPhone 15 Pro Max back triple camera 6.765mm f/1.78",
            "iPhone 15 Pro Max back triple camera 2.22mm f/2.2",
        ],
        naming: Naming::Apple,
        live: true,
        sensor: (4032, 3024),
        focal: &[6.765, 2.22],
        apertures: &[1.78, 2.2],
    },
    Camera {
        make: "Apple",
        model: "iPhone X",
        lenses: &["iPhone X back dual camera 4mm f/1.8"],
        naming: Naming::Apple,
        live: true,
        sensor: (4032, 3024),
        focal: &[4.0],
        apertures: &[1.8],
    },
    Camera {
        make: "Google",
        model: "Pixel 7",
        lenses: &[],
        naming: Naming::Pixel,
        live: false,
        sensor: (4080, 3072),
        focal: &[6.81, 2.23],
        apertures: &[1.85, 2.2],
    },
    Camera {
        make: "samsung",
        model: "SM-G991B",
        lenses: &[],
        naming: Naming::Samsung,
        live: false,
        sensor: (4000, 3000),
        focal: &[5.4, 2.2],
        apertures: &[1.8, 2.2],
    },
    Camera {
        make: "SONY",
        model: "ILCE-7M3",
        lenses: &["FE 24-70mm F2.8 GM", "FE 85mm F1.8", "FE 16-35mm F4 ZA OSS"],
        naming: Naming::Dsc,
        live: false,
        sensor: (6000, 4000),
        focal: &[24.0, 35.0, 50.0, 70.0, 85.0, 16.0],
        apertures: &[1.8, 2.8, 4.0, 5.6, 8.0],
    },
    Camera {
        make: "FUJIFILM",
        model: "X-T4",
        lenses: &["XF16-80mmF4 R OIS WR", "XF35mmF1.4 R"],
        naming: Naming::Dsc,
        live: false,
        sensor: (6240, 4160),
        focal: &[16.0, 35.0, 55.0, 80.0],
        apertures: &[1.4, 4.0, 5.6],
    },
    Camera {
        make: "Canon",
        model: "Canon EOS R6",
        lenses: &["RF24-105mm F4 L IS USM", "RF50mm F1.8 STM"],
        naming: Naming::Dsc,
        live: false,
        sensor: (5472, 3648),
        focal: &[24.0, 50.0, 105.0],
        apertures: &[1.8, 4.0, 8.0],
    },
    Camera {
        make: "NIKON CORPORATION",
        model: "NIKON D750",
        lenses: &["24.0-120.0 mm f/4.0"],
        naming: Naming::Dsc,
        live: false,
        sensor: (6016, 4016),
        focal: &[24.0, 70.0, 120.0],
        apertures: &[4.0, 5.6, 11.0],
    },
    Camera {
        make: "DJI",
        model: "FC3582",
        lenses: &[],
        naming: Naming::Dsc,
        live: false,
        sensor: (4032, 3024),
        focal: &[6.72],
        apertures: &[1.7],
    },
];

/// A place photos are taken at.
#[derive(Debug)]
pub struct Place {
    /// Reverse-geocoded city.
    pub city: &'static str,
    /// Reverse-geocoded state / region.
    pub state: &'static str,
    /// Reverse-geocoded country.
    pub country: &'static str,
    /// Centre latitude.
    pub lat: f64,
    /// Centre longitude.
    pub lon: f64,
    /// IANA time zone name as Immich reports it.
    pub tz: &'static str,
    /// Standard UTC offset in minutes (DST is ignored: the fixture only needs plausibility).
    pub offset_min: i32,
}

/// All places. The first few are "home" and get most photos.
pub static PLACES: &[Place] = &[
    Place {
        city: "Berlin",
        state: "Berlin",
        country: "Germany",
        lat: 52.52,
        lon: 13.405,
        tz: "Europe/Berlin",
        offset_min: 60,
    },
    Place {
        city: "Potsdam",
        state: "Brandenburg",
        country: "Germany",
        lat: 52.3906,
        lon: 13.0645,
        tz: "Europe/Berlin",
        offset_min: 60,
    },
    Place {
        city: "Hamburg",
        state: "Hamburg",
        country: "Germany",
        lat: 53.5511,
        lon: 9.9937,
        tz: "Europe/Berlin",
        offset_min: 60,
    },
    Place {
        city: "Paris",
        state: "Île-de-France",
        country: "France",
        lat: 48.8566,
        lon: 2.3522,
        tz: "Europe/Paris",
        offset_min: 60,
    },
    Place {
        city: "Lisbon",
        state: "Lisbon",
        country: "Portugal",
        lat: 38.7223,
        lon: -9.1393,
        tz: "Europe/Lisbon",
        offset_min: 0,
    },
    Place {
        city: "Rome",
        state: "Lazio",
        country: "Italy",
        lat: 41.9028,
        lon: 12.4964,
        tz: "Europe/Rome",
        offset_min: 60,
    },
    Place {
        city: "Reykjavík",
        state: "Capital Region",
        country: "Iceland",
        lat: 64.1466,
        lon: -21.9426,
        tz: "Atlantic/Reykjavik",
        offset_min: 0,
    },
    Place {
        city: "New York",
        state: "New York",
        country: "United States of America",
        lat: 40.7128,
        lon: -74.006,
        tz: "America/New_York",
        offset_min: -300,
    },
    Place {
        city: "San Francisco",
        state: "California",
        country: "United States of America",
        lat: 37.7749,
        lon: -122.4194,
        tz: "America/Los_Angeles",
        offset_min: -480,
    },
    Place {
        city: "Tokyo",
        state: "Tokyo",
        country: "Japan",
        lat: 35.6762,
        lon: 139.6503,
        tz: "Asia/Tokyo",
        offset_min: 540,
    },
    Place {
        city: "Kyoto",
        state: "Kyoto",
        country: "Japan",
        lat: 35.0116,
        lon: 135.7681,
        tz: "Asia/Tokyo",
        offset_min: 540,
    },
    Place {
        city: "Cape Town",
        state: "Western Cape",
        country: "South Africa",
        lat: -33.9249,
        lon: 18.4241,
        tz: "Africa/Johannesburg",
        offset_min: 120,
    },
    Place {
        city: "Sydney",
        state: "New South Wales",
        country: "Australia",
        lat: -33.8688,
        lon: 151.2093,
        tz: "Australia/Sydney",
        offset_min: 600,
    },
    Place {
        city: "Buenos Aires",
        state: "Buenos Aires",
        country: "Argentina",
        lat: -34.6037,
        lon: -58.3816,
        tz: "America/Argentina/Buenos_Aires",
        offset_min: -180,
    },
    Place {
        city: "Zürich",
        state: "Zurich",
        country: "Switzerland",
        lat: 47.3769,
        lon: 8.5417,
        tz: "Europe/Zurich",
        offset_min: 60,
    },
    Place {
        city: "Chamonix-Mont-Blanc",
        state: "Auvergne-Rhône-Alpes",
        country: "France",
        lat: 45.9237,
        lon: 6.8694,
        tz: "Europe/Paris",
        offset_min: 60,
    },
    Place {
        city: "Marrakesh",
        state: "Marrakesh-Safi",
        country: "Morocco",
        lat: 31.6295,
        lon: -7.9811,
        tz: "Africa/Casablanca",
        offset_min: 60,
    },
    Place {
        city: "Hanoi",
        state: "Hanoi",
        country: "Vietnam",
        lat: 21.0278,
        lon: 105.8342,
        tz: "Asia/Ho_Chi_Minh",
        offset_min: 420,
    },
];

/// Tag names a user might have created.
pub static TAG_NAMES: &[&str] = &[
    "family",
    "holiday",
    "hiking",
    "food",
    "pets",
    "birthday",
    "work",
    "architecture",
    "sunset",
    "friends",
];

/// Smart-search objects for the detail view's `smartInfo`.
pub static OBJECTS: &[&str] = &[
    "person", "dog", "cat", "tree", "mountain", "beach", "car", "building", "food", "sky",
];

/// Descriptions some photos carry.
pub static DESCRIPTIONS: &[&str] = &[
    "",
    "",
    "",
    "",
    "",
    "",
    "Sunday walk",
    "With the whole family",
    "Best pizza in town",
    "First snow",
    "View from the top",
];
